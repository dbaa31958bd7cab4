// The unit hands Purser ambient capabilities (CAP_SETUID, CAP_KILL, ...).
// Ambient capabilities survive setuid between two non-root users, so VLC
// started by a plain `setpriv --reuid` would inherit them: the command Purser
// must use drops them. Checked here with two spare uids standing in for
// purser and purser-vlc.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { run } from './helpers.js';

const PURSER_UID = '65534';
const VLC_UID = '65533';
const CAPS = '+setuid,+setgid,+kill,+net_bind_service,+sys_admin';
/** The drop to the VLC user, as docs/systemd.md gives it. */
const TO_VLC = ['setpriv', `--reuid=${VLC_UID}`, `--regid=${VLC_UID}`, '--clear-groups', '--inh-caps=-all', '--ambient-caps=-all', '--'];

function asPurser(inner: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run('setpriv', [
    `--reuid=${PURSER_UID}`,
    `--regid=${PURSER_UID}`,
    '--clear-groups',
    `--inh-caps=${CAPS}`,
    `--ambient-caps=${CAPS}`,
    '--',
    ...inner,
  ]);
}

const field = (status: string, name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1];

test('VLC started through setpriv as its own user has no capability left', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const naive = await asPurser(['setpriv', `--reuid=${VLC_UID}`, `--regid=${VLC_UID}`, '--clear-groups', '--', 'cat', '/proc/self/status']);
  assert.equal(naive.code, 0, naive.stderr);
  assert.notEqual(field(naive.stdout, 'CapEff'), '0000000000000000', 'a plain --reuid keeps the ambient capabilities');

  const r = await asPurser([...TO_VLC, 'cat', '/proc/self/status']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(field(r.stdout, 'Uid')?.split(/\s+/)[0], VLC_UID);
  for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb']) assert.equal(field(r.stdout, set), '0000000000000000', set);
});
