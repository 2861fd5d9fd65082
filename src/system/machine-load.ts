import { cpus, freemem } from 'node:os';

/** How busy this machine is: the CPU's busy share since the last reading, and the memory left. */
export class MachineLoad {
  #last = cpuTimes();

  read(): { cpuBusy: number; freeMemoryMb: number } {
    const now = cpuTimes();
    const total = now.total - this.#last.total;
    const busy = total > 0 ? (now.busy - this.#last.busy) / total : 0;
    this.#last = now;
    return { cpuBusy: busy, freeMemoryMb: freemem() / 1024 / 1024 };
  }
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, irq, idle } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + irq + idle;
  }
  return { busy, total };
}
