// Run by mount-helper.test.ts as an unprivileged uid (setpriv): mounts a drive
// through the helper, reads a file from it, unmounts it, prints what it saw.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MountHelperClient } from '../../../hardware/usb/mount-helper/client.js';

const [socketPath, devname, file] = process.argv.slice(2) as [string, string, string];
const client = new MountHelperClient({ socketPath, timeoutMs: 20_000 });
try {
  const drive = await client.mount({ devname, fsType: 'ext4', name: 'CHILD' });
  const text = await readFile(join(drive.mountPoint, file), 'utf8');
  const unmounted = await client.unmount(drive.mountPoint);
  process.stdout.write(JSON.stringify({ uid: process.getuid?.(), mountPoint: drive.mountPoint, mountOptions: drive.mountOptions, text, unmounted }));
} catch (err) {
  process.stdout.write(JSON.stringify({ uid: process.getuid?.(), error: (err as Error).message }));
}
