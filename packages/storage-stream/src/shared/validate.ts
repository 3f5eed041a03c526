// Input rules live in core's validation module (validatePublish / validateSubscribe); one rulebook for every adapter.

/** A fresh consumer name, unique enough to never collide within a group. */
export function defaultConsumerName(randomId: string): string {
  return `consumer-${randomId}`;
}
