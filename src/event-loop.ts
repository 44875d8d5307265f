/**
 * Runs `fn` after the I/O callbacks of this event-loop turn and of one more poll: an immediate scheduled from
 * the check phase runs in the next check phase, after a poll that does not block (an immediate is pending).
 *
 * Used where the work of a turn is gathered and done together (the turn barrier, group commit): with one
 * setImmediate, requests sent just after the turn's poll had begun missed the batch and waited a whole turn
 * more, which raised p99 (figures in bench/README.md, Decisions).
 */
export function afterNextPoll(fn: () => void): void {
  setImmediate(() => setImmediate(fn));
}
