/**
 * Linux names for the shared lock idioms of src/kernel/common/locks.ts
 * (raw spinlocks and spinlocks are the same thing in a model without
 * PREEMPT_RT).
 */
import type { Program } from '../../cpu/ops.ts';
import { spinLockIrq, spinLockIrqsave, spinUnlockIrq, spinUnlockIrqrestore } from '../common/locks.ts';

export function raw_spin_lock_irqsave(lock: number, ref: string, what = 'raw_spin_lock_irqsave'): Program<number> {
  return spinLockIrqsave(lock, ref, what);
}
export function raw_spin_unlock_irqrestore(
  lock: number,
  flags: number,
  ref: string,
  what = 'raw_spin_unlock_irqrestore',
): Program<void> {
  return spinUnlockIrqrestore(lock, flags, ref, what);
}
export const spin_lock_irqsave = raw_spin_lock_irqsave;
export const spin_unlock_irqrestore = raw_spin_unlock_irqrestore;
export function spin_lock_irq(lock: number, ref: string, what = 'spin_lock_irq'): Program<void> {
  return spinLockIrq(lock, ref, what);
}
export function spin_unlock_irq(lock: number, ref: string, what = 'spin_unlock_irq'): Program<void> {
  return spinUnlockIrq(lock, ref, what);
}
