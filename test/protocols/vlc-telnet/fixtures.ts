/** Bytes captured from VLC 3.0.24 (`cvlc -I telnet`) on this machine, kept as VLC wrote them. */

const IAC_WILL_ECHO = '\xff\xfb\x01';
const IAC_WONT_ECHO = '\xff\xfc\x01';

export const SHOW_CH1 = [
  '    ch1',
  '        type : broadcast',
  '        enabled : yes',
  '        loop : yes',
  '        inputs',
  '            1 : /tmp/vlcx/clip.ts',
  '        output : #std{access=udp,mux=ts,dst=239.255.31.99:5000}',
  '        options',
  '        instances',
  '            instance',
  '                name : default',
  '                state : playing',
  '                position : 0.055869',
  '                time : 260348',
  '                length : 4660000',
  '                rate : 1.000000',
  '                title : 0',
  '                chapter : 0',
  '                can-seek : 1',
  '                playlistindex : 1',
];

export const SHOW_ALL = [
  '    media : ( 2 broadcast - 0 vod )',
  '        ch1',
  '            type : broadcast',
  '            enabled : yes',
  '            loop : yes',
  '            inputs',
  '                1 : /tmp/vlcx/clip.ts',
  '            output : #std{access=udp,mux=ts,dst=239.255.31.99:5000}',
  '            options',
  '            instances',
  '                instance',
  '                    name : default',
  '                    state : paused',
  '                    position : 0.399217',
  '                    time : 1860351',
  '                    length : 4660000',
  '        safety',
  '            type : broadcast',
  '            enabled : yes',
  '            loop : no',
  '            inputs',
  '                1 : /tmp/a : b.ts',
  '            output : ',
  '            options',
  '            instances',
  '    schedule',
];

/** A whole session: wrong password, right password, then commands, as latin1 text of the raw bytes. */
export const SESSION =
  'VLC media player 3.0.24 Vetinari\nPassword: ' + IAC_WILL_ECHO +
  '\r\nWrong password\r\nPassword: ' +
  IAC_WONT_ECHO + '\r\nWelcome, Master\r\n' + '> ' +
  'new\r\n> ' +
  'setup\r\n' + '> ' +
  'show\r\n' + SHOW_CH1.map((l) => `${l}\r\n`).join('') + '> ' +
  "Unknown command `bogus'. Type `help' for help.\r\n> " +
  'control : nope: media unknown\r\n> ' +
  'Bye-bye!\r\n';

export function sessionBytes(): Buffer {
  return Buffer.from(SESSION, 'latin1');
}
