import { timingSafeEqual } from 'node:crypto';

/**
 * Who may do what, free of any transport: the HTTP API, the panel and the
 * SSH console all ask these. `readonly` looks (the console's shell);
 * crew drive the cabin; technicians can do everything crew can, and more
 * (reboot, firmware, content).
 */
export type Role = 'readonly' | 'crew' | 'technician';

const RANK: Record<Role, number> = { readonly: 0, crew: 1, technician: 2 };

export interface Principal {
  role: Role;
  /** Who, for the command log and the audit trail: "token", "panel:crew", "ssh:alice", ... */
  name: string;
  /** A session rides on a cookie the browser sends by itself, so it gets the CSRF checks; the token and SSH keys do not. */
  via: 'token' | 'session' | 'ssh';
  /** The person's own name, when their PIN is theirs alone (`panel.people`); absent for a shared role PIN, the token, SSH. */
  person?: string;
}

/** Who did something, as the command log and the audit trail record it: a person's name and the role they acted in. */
export interface Actor {
  name: string;
  role: Role;
}

/** The actor a principal acts as: only a named person has one (a shared PIN or the token names nobody). */
export function actorOf(p: Principal): Actor | undefined {
  return p.person !== undefined ? { name: p.person, role: p.role } : undefined;
}

/**
 * A panel session's principal name: `panel:<person>` for a person's own PIN,
 * `panel:<role>` for a shared role PIN. People may not be named after a role
 * (the config refuses it), so the two never collide, and views that strip
 * `panel:` show the person's name.
 */
export function panelPrincipalName(role: PanelRole, person?: string): string {
  return `panel:${person ?? role}`;
}

export function hasRole(p: Principal, needed: Role): boolean {
  return RANK[p.role] >= RANK[needed];
}

/** Commands crew may not issue: they change the seat players themselves. */
export const TECHNICIAN_ONLY_COMMANDS: ReadonlySet<string> = new Set(['seat.reboot', 'firmware.update', 'content.sync']);

/**
 * The role a command needs. Crew may reboot one frozen seat (the panel asks
 * them to confirm); rebooting several, a zone or the cabin stays a
 * technician's call.
 */
export function roleForCommand(cmd: string, target?: unknown): Role {
  if (cmd === 'seat.reboot' && isOneSeat(target)) return 'crew';
  return TECHNICIAN_ONLY_COMMANDS.has(cmd) ? 'technician' : 'crew';
}

function isOneSeat(target: unknown): boolean {
  const seats = (target as { seats?: unknown } | null)?.seats;
  return typeof target === 'object' && target !== null && Object.keys(target).length === 1 && Array.isArray(seats) && seats.length === 1;
}

/** Compares a presented secret with the configured one in constant time. */
export function secretMatches(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The API bearer token's principal. */
export const TOKEN_PRINCIPAL: Principal = Object.freeze({ role: 'technician', name: 'token', via: 'token' });

/** Resolves a panel session id (the cookie's value) to who holds it; the panel's session store provides one. */
export type SessionLookup = (sessionId: string) => Principal | null;

/** The roles a panel PIN can hold. */
export type PanelRole = Exclude<Role, 'readonly'>;
