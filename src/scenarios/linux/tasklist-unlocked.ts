/**
 * A variant that puts back a kernel path without its
 * read_lock(&tasklist_lock) section (linux/exec-event-tracer-exit,
 * linux/group-stop): the path runs as it is, less those two steps.
 */
import { K, type Op, type Program } from '../../cpu/ops.ts';

/**
 * Runs `run` without its read_lock(&tasklist_lock) and read_unlock steps;
 * with `fn`, only those the function of that name takes itself (a step's
 * source reference ends in its function), not those of the functions it calls.
 */
export function* withoutReadLock<R>(lock: number, run: Generator<Op, R, number>, fn?: string): Program<R> {
  let r = run.next();
  while (!r.done) {
    const op = r.value;
    const drop = (op.k === K.READ_LOCK || op.k === K.READ_UNLOCK) && op.a === lock && (!fn || op.ref.endsWith(` ${fn}`));
    r = drop ? run.next(0) : run.next(yield op);
  }
  return r.value;
}
