#!/usr/bin/env node
// Before the tests: are the real peers they drive installed? As root, installs the missing
// ones with apt (what .ci/run does); otherwise names the exact command and stops.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PEERS = [
  ['curl', '/usr/bin/curl', 'curl'],
  ['tftp', '/usr/bin/tftp', 'tftp-hpa'],
  ['atftp', '/usr/bin/atftp', 'atftp'],
  ['in.tftpd', '/usr/sbin/in.tftpd', 'tftpd-hpa'],
  ['ffmpeg', '/usr/bin/ffmpeg', 'ffmpeg'],
  ['socat', '/usr/bin/socat', 'socat'],
  ['chromium', '/usr/bin/chromium', 'chromium'],
  ['cvlc', '/usr/bin/cvlc', 'vlc-bin'],
  ['vlc plugins', '/usr/lib/x86_64-linux-gnu/vlc/plugins/access_output/libaccess_output_udp_plugin.so', 'vlc-plugin-base'],
  ['ssh', '/usr/bin/ssh', 'openssh-client'],
  ['sshd', '/usr/sbin/sshd', 'openssh-server'],
  ['udevadm', '/usr/bin/udevadm', 'udev'],
  ['sfdisk', '/usr/sbin/sfdisk', 'fdisk'],
  ['mkfs.exfat', '/usr/sbin/mkfs.exfat', 'exfatprogs'],
  ['mount.exfat-fuse', '/usr/sbin/mount.exfat-fuse', 'exfat-fuse'],
  ['strace', '/usr/bin/strace', 'strace'],
  ['systemd-analyze', '/usr/bin/systemd-analyze', 'systemd'],
];

const missing = PEERS.filter(([, path]) => !existsSync(path));
if (missing.length === 0) process.exit(0);
const pkgs = [...new Set(missing.map(([, , pkg]) => pkg))];
const cmd = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
console.error(`The tests drive real peers; missing: ${missing.map(([name]) => name).join(', ')}.`);
if (process.getuid?.() !== 0) {
  console.error(`Install them (as root): ${cmd}\nor run: sudo bash .ci/run`);
  process.exit(1);
}
console.error(`Installing: ${pkgs.join(' ')}`);
const r = spawnSync('sh', ['-c', cmd], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
process.exit(r.status ?? 1);
