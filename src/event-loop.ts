/**
 * Runs `fn` after the I/O callbacks of this event-loop turn and of one more poll: an immediate scheduled from
 * the check phase runs in the next check phase, after a poll that does not block (an immediate is pending).
 *
 * Used where the work of a turn is gathered and done together (the turn barrier, group commit). With one
 * setImmediate, the requests whose clients sent them just after the turn's poll had begun (the follow-ups of
 * the previous batch's replies) missed the batch and waited a whole turn more: at 50 connections one request
 * in ten took two turns and one in a hundred three, so p99 was 3.0–3.1× p50. With the second poll the batches
 * hold them too (`/v1/webhooks`: 39 → 47 requests per turn) and p99 is 2.2–2.5× p50, CPU per request
 * unchanged within the noise (http/turn-barrier.ts and storage/write-batcher.ts give each one's figures).
 */
export function afterNextPoll(fn: () => void): void {
  setImmediate(() => setImmediate(fn));
}
