import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VehicleAddresses } from '../../src/portal/values-online/vehicle-addresses.ts';

const LIMIT = { timeout: 5000 };
const INVENTORY = 'https://portal.test/ValuesOnline/vehicle/';
const at = (key: string) => `https://portal.test/ValuesOnline/vehicle/Bookout/${key}`;

/** Clicks of `count` different vehicles, each landing exactly at its link's address. */
function confirmed(count = 2): VehicleAddresses {
  const addresses = new VehicleAddresses();
  for (let i = 0; i < count; i += 1) addresses.clicked(`16500${i}`, at(`V${i}`), at(`V${i}`), INVENTORY);
  return addresses;
}

describe('opening vehicle pages at their address', () => {
  it('only after clicks of two different vehicles went exactly to their link (the fragment aside)', LIMIT, () => {
    const addresses = new VehicleAddresses();
    assert.equal(addresses.mayOpen(at('V9'), INVENTORY), false, 'nothing confirmed yet');
    addresses.clicked('165001', at('V1'), `${at('V1')}#top`, INVENTORY);
    assert.equal(addresses.mayOpen(at('V9'), INVENTORY), false, 'one click is not enough');
    addresses.clicked('165001', at('V1'), at('V1'), INVENTORY);
    assert.equal(addresses.mayOpen(at('V9'), INVENTORY), false, 'the same vehicle twice is one vehicle');
    addresses.clicked('165002', at('V2'), at('V2'), INVENTORY);
    assert.equal(addresses.mayOpen(at('V9'), INVENTORY), true);
  });

  it('never for a script link, the inventory itself or another site', LIMIT, () => {
    const addresses = confirmed();
    assert.equal(addresses.mayOpen('javascript:;', INVENTORY), false);
    assert.equal(addresses.mayOpen(`${INVENTORY}#`, INVENTORY), false);
    assert.equal(addresses.mayOpen('https://elsewhere.test/ValuesOnline/vehicle/Bookout/V1', INVENTORY), false);
    assert.equal(addresses.mayOpen('', INVENTORY), false);
  });

  it('script links are clicked and confirm nothing', LIMIT, () => {
    const addresses = new VehicleAddresses();
    for (const ref of ['165001', '165002', '165003']) addresses.clicked(ref, 'javascript:;', at(ref), INVENTORY);
    assert.equal(addresses.inUse, false);
  });

  it('a click that lands elsewhere ends it for the run', LIMIT, () => {
    const addresses = confirmed();
    addresses.clicked('165007', at('V7'), at('OTHER'), INVENTORY);
    assert.equal(addresses.mayOpen(at('V8'), INVENTORY), false);
    addresses.clicked('165008', at('V8'), at('V8'), INVENTORY);
    assert.equal(addresses.inUse, false, 'later clicks do not bring it back');
  });

  it('one address for two vehicles (the session decides what it shows) ends it', LIMIT, () => {
    const addresses = new VehicleAddresses();
    addresses.clicked('165001', at('CURRENT'), at('CURRENT'), INVENTORY);
    addresses.clicked('165002', at('CURRENT'), at('CURRENT'), INVENTORY);
    addresses.clicked('165003', at('V3'), at('V3'), INVENTORY);
    assert.equal(addresses.inUse, false);
  });

  it(
    'two direct openings in a row that miss the vehicle page end it; one miss between landings does not',
    LIMIT,
    () => {
      const addresses = confirmed();
      addresses.openedDirectly(false);
      addresses.openedDirectly(true);
      addresses.openedDirectly(false);
      assert.equal(addresses.inUse, true);
      addresses.openedDirectly(false);
      assert.equal(addresses.inUse, false);
    },
  );

  it("another vehicle's PDF from a direct opening ends it", LIMIT, () => {
    const addresses = confirmed();
    addresses.refute();
    assert.equal(addresses.mayOpen(at('V5'), INVENTORY), false);
  });

  it('every 50th vehicle is clicked again, to keep checking', LIMIT, () => {
    const addresses = confirmed();
    const answers = Array.from({ length: 100 }, (_, i) => addresses.mayOpen(at(`V${i}`), INVENTORY));
    assert.deepEqual(
      answers.flatMap((open, i) => (open ? [] : [i + 1])),
      [50, 100],
    );
  });
});
