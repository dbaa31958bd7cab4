import type { Observable } from 'rxjs';
import type { InputName, PowerModeName } from '../../protocols/display-control/nec-messages.js';

/** The serial port a monitor hangs on: hardware/serial's ReadWriteSerialPort fits. */
export interface MonitorPort {
  readonly data$: Observable<Buffer>;
  write(bytes: Uint8Array): Promise<void>;
  /** Optional counters on the port entity. */
  reportFrame?(): void;
  reportError?(reason: string): void;
}

export type MonitorState = 'on' | 'standby' | 'no-reply' | 'unknown';

export type MonitorFaultCode =
  /** No valid reply within the timeout (after the retry). */
  | 'MONITOR_NO_REPLY'
  /** The monitor answered result 01: unsupported, or not possible now (input change in standby). */
  | 'MONITOR_UNSUPPORTED'
  /** The monitor answered the NULL message: busy (powering, switching) or it has no answer. */
  | 'MONITOR_BUSY'
  /** The command could not even be written (the serial port is down). */
  | 'MONITOR_PORT_DOWN';

export type MonitorCommandName = 'power-on' | 'power-off' | 'power-status' | 'input-select' | 'input-read' | 'get-parameter';

export interface MonitorFault {
  code: MonitorFaultCode;
  /** Entity id of the monitor. */
  monitor: string;
  monitorId: number;
  command: MonitorCommandName;
  /** The NEC result code for MONITOR_UNSUPPORTED (1). */
  resultCode?: number;
  detail: string;
}

export type MonitorFaultEvent = { type: 'raised'; fault: MonitorFault } | { type: 'cleared'; fault: MonitorFault };

export interface MonitorAttributes {
  /** NEC monitor ID 1..100 set in the monitor's menu. */
  monitorId: number;
  power: PowerModeName | null;
  input: InputName | null;
  inputCode: number | null;
  /** Monotonic ms since the last valid reply; null if none yet. */
  lastReplyAgoMs: number | null;
  commands: number;
  replies: number;
  timeouts: number;
  /** Active fault codes. */
  faults: MonitorFaultCode[];
}

export interface MonitorEntity {
  id: string;
  kind: 'monitor';
  state: MonitorState;
  attributes: MonitorAttributes;
}
