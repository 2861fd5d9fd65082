/** Clicks (of different vehicles) that must go exactly to their link's address before addresses are opened directly. */
const CONFIRMATIONS = 2;
/** Of the vehicles opened directly, every this-many-th is clicked instead, to keep checking. */
const RECHECK_EVERY = 50;
/** Direct openings in a row that did not land on a vehicle page (while clicks do) end them for the run. */
const MISSES_IN_A_ROW = 2;

/**
 * Whether a vehicle page may be opened at its Bookout link's address instead of by clicking the
 * link. What is known is only that the click opens the vehicle page in the same tab; whether the
 * link's href is that page's address is not (it may be a script), nor whether the portal serves
 * the page without the click. So vehicles are clicked until clicks have gone to exactly their
 * link's address a few times; from then on the address is opened in a window of its own and the
 * inventory stays where it is (no reload per vehicle when the portal's pages are not cacheable).
 * A click that goes elsewhere, a few direct openings in a row that do not land on a vehicle page,
 * or a directly opened vehicle giving another vehicle's PDF end this for the run.
 * Shared by every tab of one account.
 */
export class VehicleAddresses {
  #tell: (change: string) => void;
  #confirmed = 0;
  #refuted = false;
  #opened = 0;
  #missesInARow = 0;
  /** The vehicle each clicked address belongs to: an address must name one vehicle. */
  #vehicleAt = new Map<string, string>();

  /** `tell` hears, once each, when opening at the address starts and when it ends for the run, and why. */
  constructor(tell: (change: string) => void = () => undefined) {
    this.#tell = tell;
  }

  /** True when `address` (the link's) may be opened directly from the inventory at `inventoryUrl`. */
  mayOpen(address: string, inventoryUrl: string): boolean {
    if (!this.inUse || !isPageAddress(address, inventoryUrl)) return false;
    this.#opened += 1;
    return this.#opened % RECHECK_EVERY !== 0;
  }

  /**
   * A click on `reference`'s link with `address` led the tab to `landedUrl`. It confirms the
   * address only when it went exactly there and no other vehicle's link had the same address
   * (an address that does not name its vehicle would show whichever the session has in mind).
   */
  clicked(reference: string, address: string, landedUrl: string, inventoryUrl: string): void {
    if (!isPageAddress(address, inventoryUrl)) return;
    const key = withoutFragment(address);
    const owner = this.#vehicleAt.get(key);
    const wasInUse = this.inUse;
    if (key !== withoutFragment(landedUrl)) this.refute('a Bookout link led elsewhere than its address');
    else if (owner !== undefined && owner !== reference) this.refute('one address was the link of two vehicles');
    else this.#confirmed += 1;
    this.#vehicleAt.set(key, reference);
    if (!wasInUse && this.inUse) this.#tell("vehicle pages are opened at their Bookout link's address from now on");
  }

  /** A direct opening landed on the vehicle page (`landed`), or did not. */
  openedDirectly(landed: boolean): void {
    this.#missesInARow = landed ? 0 : this.#missesInARow + 1;
    if (this.#missesInARow >= MISSES_IN_A_ROW) this.refute(`${MISSES_IN_A_ROW} openings in a row did not land there`);
  }

  /** Never again this run; by default because a directly opened vehicle page was not that vehicle's. */
  refute(why = "a vehicle page opened at its address gave another vehicle's report"): void {
    if (!this.#refuted && this.inUse)
      this.#tell(`vehicle pages are clicked open again for the rest of the run: ${why}`);
    this.#refuted = true;
  }

  get inUse(): boolean {
    return !this.#refuted && this.#vehicleAt.size >= CONFIRMATIONS && this.#confirmed >= CONFIRMATIONS;
  }
}

/** A web address of the inventory's own site that is not the inventory page itself (`#`, say). */
function isPageAddress(address: string, inventoryUrl: string): boolean {
  try {
    const url = new URL(address);
    const inventory = new URL(inventoryUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
    return url.origin === inventory.origin && withoutFragment(address) !== withoutFragment(inventoryUrl);
  } catch {
    return false;
  }
}

function withoutFragment(address: string): string {
  const url = new URL(address);
  url.hash = '';
  return url.toString();
}
