// The udev rules: udev's own parser (udevadm test in a private mount
// namespace, our files in place of /etc/udev/rules.d), then what the rules
// do to the devices a cabin will see (a small evaluator: no USB bus here).
import { strict as assert } from 'node:assert';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { run, SYSTEMD_DIR, tempDir } from './helpers.js';
import { evaluate, parseRules, type FakeDevice } from './udev-rules.js';

const SERIAL = '90-purser-serial.rules';
const LOCKDOWN = '80-purser-usb-lockdown.rules';

/** udevadm test with only `dir` as /etc/udev/rules.d, its database on a tmpfs, purser groups known. */
async function udevadmDiagnostics(dir: string): Promise<{ ok: boolean; lines: string[]; why?: string }> {
  const group = join(dir, 'group');
  await writeFile(group, (await readFile('/etc/group', 'utf8')) + 'purser:x:60999:\npurser-vlc:x:60998:\n');
  const script = [
    'set -e',
    `mount --bind ${dir}/rules /etc/udev/rules.d`,
    `mount --bind ${group} /etc/group`,
    'mount -t tmpfs none /run/udev',
    // /dev/null's rules create /dev/char links: keep those off the real /dev too.
    '[ -d /dev/char ] && mount -t tmpfs none /dev/char || true',
    'udevadm test --action=add /sys/devices/virtual/mem/null',
  ].join('\n');
  const r = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { timeoutMs: 20_000 });
  if (r.code !== 0) return { ok: false, lines: [], why: `${r.code}: ${r.stderr.slice(-300)}` };
  const all = (r.stdout + r.stderr).split('\n');
  assert.ok(all.some((l) => l.includes(`Reading rules file: /etc/udev/rules.d/`)), 'udevadm read our directory');
  return { ok: true, lines: all.filter((l) => l.startsWith('/etc/udev/rules.d/')) };
}

test('udevadm (udev 252) reads both rules files without a complaint', async (t) => {
  const { dir, remove } = await tempDir('purser-udev-');
  t.after(remove);
  await mkdir(join(dir, 'rules'));
  for (const f of [SERIAL, LOCKDOWN]) await copyFile(join(SYSTEMD_DIR, f), join(dir, 'rules', f));
  const good = await udevadmDiagnostics(dir);
  if (!good.ok) return t.skip(`no private mount namespace here (${good.why})`);
  assert.deepEqual(good.lines, []);

  // The check can fail: a wrong operator and a dangling GOTO are reported.
  await writeFile(join(dir, 'rules', '99-broken.rules'), 'KERNEL="ttyUSB0", SYMLINK+="x"\nSUBSYSTEM=="tty", GOTO="nowhere"\n');
  const bad = await udevadmDiagnostics(dir);
  assert.ok(bad.lines.some((l) => l.includes('99-broken.rules:1')), bad.lines.join('\n'));
  assert.ok(bad.lines.some((l) => /99-broken.rules:2.*no matching label/.test(l)), bad.lines.join('\n'));
});

async function rules(name: string) {
  const parsed = parseRules(await readFile(join(SYSTEMD_DIR, name), 'utf8'));
  assert.deepEqual(parsed.errors, [], name);
  return parsed;
}

const usbInterface = (kernel: string, cls: string, parent: Record<string, string>, action = 'add'): FakeDevice => ({
  action,
  subsystem: 'usb',
  kernel,
  env: { DEVTYPE: 'usb_interface' },
  attrs: { bInterfaceClass: cls, authorized: '1' },
  parents: [{ kernel: kernel.split(':')[0]!, subsystem: 'usb', attrs: parent }],
});

test('USB lock-down: buses deny new interfaces; hubs, storage and the listed adapter stay, the rest is de-authorised', async () => {
  const r = await rules(LOCKDOWN);
  const rootHub = evaluate(r, {
    action: 'add',
    subsystem: 'usb',
    kernel: 'usb1',
    env: { DEVTYPE: 'usb_device' },
    attrs: { bDeviceClass: '09', interface_authorized_default: '1' },
  });
  assert.deepEqual(rootHub.writes, [['interface_authorized_default', '0']]);

  const stick = { idVendor: '0781', idProduct: '5581', serial: '4C530001', bDeviceClass: '00' };
  const keyboard = { idVendor: '046d', idProduct: 'c31c', bDeviceClass: '00' };
  const ftdi = { idVendor: '0403', idProduct: '6001', serial: 'A10KZP1Q', bDeviceClass: '00' };
  const strangerFtdi = { ...ftdi, serial: 'EVIL0001' };
  const hub = { idVendor: '05e3', idProduct: '0608', bDeviceClass: '09' };

  // Plugged in after boot: the kernel left the interface unauthorised; allowed ones are authorised and probed.
  const fresh = (d: FakeDevice): FakeDevice => ({ ...d, attrs: { ...d.attrs, authorized: '0' } });
  const storage = evaluate(r, fresh(usbInterface('1-2:1.0', '08', stick)));
  assert.deepEqual(storage.writes, [['authorized', '1']]);
  assert.deepEqual(storage.run, ["/bin/sh -c 'echo 1-2:1.0 > /sys/bus/usb/drivers_probe'"]);
  assert.deepEqual(evaluate(r, fresh(usbInterface('1-1:1.0', '09', hub))).writes, [['authorized', '1']]);
  assert.deepEqual(evaluate(r, fresh(usbInterface('1-3:1.0', 'ff', ftdi))).writes, [['authorized', '1']]);

  // Not allowed: a keyboard (HID, 03), an FTDI cable that is not ours, a network adapter.
  assert.deepEqual(evaluate(r, fresh(usbInterface('1-4:1.0', '03', keyboard))).writes, [['authorized', '0']]);
  assert.deepEqual(evaluate(r, fresh(usbInterface('1-5:1.0', 'ff', strangerFtdi))).writes, [['authorized', '0']]);
  assert.deepEqual(evaluate(r, fresh(usbInterface('1-6:1.0', '02', { idVendor: '0bda', bDeviceClass: '00' }))).writes, [
    ['authorized', '0'],
  ]);

  // Present at boot (already authorised and bound): an allowed one is left alone, the keyboard is unbound.
  const bootStick = evaluate(r, usbInterface('1-2:1.0', '08', stick));
  assert.deepEqual(bootStick.writes, []);
  assert.deepEqual(bootStick.run, []);
  assert.deepEqual(evaluate(r, usbInterface('1-4:1.0', '03', keyboard)).writes, [['authorized', '0']]);

  // Other events and subsystems are not touched.
  assert.deepEqual(evaluate(r, usbInterface('1-4:1.0', '03', keyboard, 'remove')).writes, []);
  assert.deepEqual(evaluate(r, { action: 'add', subsystem: 'block', kernel: 'sda', env: {}, attrs: {} }).writes, []);
  // A USB device node itself stays authorised (its interfaces decide).
  assert.deepEqual(
    evaluate(r, { action: 'add', subsystem: 'usb', kernel: '1-4', env: { DEVTYPE: 'usb_device' }, attrs: keyboard }).writes,
    [],
  );
});

test('serial names: /dev/purser/avionics by ID_SERIAL, /dev/purser/monitors by ID_PATH, group purser', async () => {
  const r = await rules(SERIAL);
  const tty = (kernel: string, env: Record<string, string>, action = 'add'): FakeDevice => ({
    action,
    subsystem: 'tty',
    kernel,
    env,
    attrs: {},
  });
  const avionics = evaluate(r, tty('ttyUSB3', { ID_SERIAL: 'FTDI_FT232R_USB_UART_A10KZP1Q', ID_PATH: 'pci-0000:00:14.0-usb-0:1:1.0' }));
  assert.deepEqual(avionics.symlinks, ['purser/avionics']);
  assert.equal(avionics.group, 'purser');
  assert.equal(avionics.mode, '0660');
  const monitors = evaluate(r, tty('ttyUSB0', { ID_SERIAL: 'Prolific_1234', ID_PATH: 'pci-0000:00:14.0-usb-0:3:1.0' }));
  assert.deepEqual(monitors.symlinks, ['purser/monitors']);
  assert.deepEqual(evaluate(r, tty('ttyS1', {})).symlinks, ['purser/discretes']);
  // Another adapter, another port, a pty, a removal: no name, no group.
  const other = evaluate(r, tty('ttyUSB1', { ID_SERIAL: 'FTDI_FT232R_USB_UART_OTHER', ID_PATH: 'pci-0000:00:14.0-usb-0:4:1.0' }));
  assert.deepEqual(other, { writes: [], symlinks: [], group: undefined, mode: undefined, run: [] });
  assert.deepEqual(evaluate(r, tty('pts3', { ID_SERIAL: 'FTDI_FT232R_USB_UART_A10KZP1Q' })).symlinks, []);
  assert.deepEqual(evaluate(r, tty('ttyUSB3', { ID_SERIAL: 'FTDI_FT232R_USB_UART_A10KZP1Q' }, 'remove')).symlinks, []);
});

test('the rules reader reports what it cannot read, and never throws (fuzz)', () => {
  assert.match(parseRules('KERNEL=="a" SYMLINK+="b"').errors.join(), /missing comma/);
  assert.match(parseRules('MODE="07x"').errors.join(), /not octal/);
  assert.match(parseRules('GOTO="x"').errors.join(), /no LABEL/);
  assert.match(parseRules('ATTR=="1"').errors.join(), /needs \{attribute\}/);
  // A backward GOTO ends the rules instead of looping.
  const loop = parseRules('LABEL="a"\nKERNEL=="x", GOTO="a"\nKERNEL=="x", SYMLINK+="never"');
  assert.deepEqual(evaluate(loop, { action: 'add', subsystem: 'tty', kernel: 'x', env: {}, attrs: {} }).symlinks, []);
  const chunk = fc.oneof(
    fc.string(),
    fc.constantFrom('==', '!=', '"', ',', '{', '}', '\\\n', '\n', 'GOTO="', 'LABEL="', 'ATTRS{', '__proto__', 'constructor'),
  );
  fc.assert(
    fc.property(fc.array(chunk, { maxLength: 30 }), (parts) => {
      const p = parseRules(parts.join(''));
      assert.ok(Array.isArray(p.errors));
      const out = evaluate(p, { action: 'add', subsystem: 'usb', kernel: 'x', env: {}, attrs: {} });
      assert.ok(Array.isArray(out.writes));
    }),
  );
});
