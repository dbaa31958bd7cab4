import type { EntityUpdate } from '../contract/entities.js';
import type { Health } from '../core/service.js';

/** A service's health as an entity: kind `service`, its state the health. */
export function serviceEntity(name: string, h: Health): EntityUpdate {
  return { id: `service:${name}`, kind: 'service', name, state: h.state, attributes: { ...(h.detail ? { detail: h.detail } : {}), since: h.since } };
}
