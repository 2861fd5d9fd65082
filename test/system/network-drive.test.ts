import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mountOf, networkDriveOf } from '../../src/system/network-drive.ts';

const MOUNTS = [
  'overlay / overlay rw,relatime 0 0',
  'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
  '/dev/sda1 /home ext4 rw,relatime 0 0',
  'fileserver:/export/dealer /mnt/dealer nfs4 rw,relatime,vers=4.2 0 0',
  '//nas/scans /mnt/scan\\040share cifs rw,relatime,vers=3.1.1 0 0',
  'me@box:/data /home/me/remote fuse.sshfs rw,nosuid,nodev 0 0',
  'C:\\134 /mnt/c 9p rw,noatime,dirsync,aname=drvfs 0 0',
  '/dev/sdb1 /mnt/dealer/local ext4 rw 0 0',
].join('\n');

const linux = (realPath: string) => networkDriveOf({ platform: 'linux', realPath, mounts: MOUNTS });
const windows = (realPath: string) => networkDriveOf({ platform: 'win32', realPath });

describe('network drive detection', { timeout: 10_000 }, () => {
  it('Linux: the folder on an nfs, cifs, sshfs or 9p mount is named, with the mount', () => {
    assert.equal(linux('/mnt/dealer/downloads'), 'nfs4 file system at /mnt/dealer');
    assert.equal(linux('/mnt/dealer'), 'nfs4 file system at /mnt/dealer');
    assert.equal(
      linux('/mnt/scan share/bookout'),
      'cifs file system at /mnt/scan share',
      'octal escapes in /proc/mounts',
    );
    assert.equal(linux('/home/me/remote/x'), 'fuse.sshfs file system at /home/me/remote');
    assert.equal(linux('/mnt/c/Users/me/downloads'), '9p file system at /mnt/c');
  });

  it('Linux: local folders are not, also a local disk mounted inside a network mount', () => {
    assert.equal(linux('/home/me/downloads'), undefined);
    assert.equal(linux('/tmp/downloads'), undefined);
    assert.equal(linux('/mnt/dealer/local/downloads'), undefined);
    assert.equal(linux('/mnt/dealerX/downloads'), undefined, 'a mount point is a whole path part');
    assert.equal(networkDriveOf({ platform: 'linux', realPath: '/x' }), undefined, 'no /proc/mounts: cannot tell');
  });

  it('Windows: a UNC path, or a mapped drive whose real path is one, is a network share', () => {
    assert.equal(windows('\\\\server\\share\\bookout\\downloads'), 'network share \\\\server\\share');
    assert.equal(windows('//server/share/downloads'), 'network share \\\\server\\share');
    assert.equal(windows('\\\\?\\UNC\\nas\\dealer\\downloads'), 'network share \\\\nas\\dealer');
    assert.equal(windows('C:\\bookout\\downloads'), undefined);
    assert.equal(windows('\\\\?\\C:\\bookout\\downloads'), undefined);
  });

  it('mountOf picks the longest mount point that holds the path', () => {
    assert.deepEqual(mountOf('/mnt/dealer/local/a', MOUNTS), { point: '/mnt/dealer/local', type: 'ext4' });
    assert.deepEqual(mountOf('/var/lib', MOUNTS), { point: '/', type: 'overlay' });
  });
});
