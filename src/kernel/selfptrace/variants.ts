/**
 * The variants every self-ptrace scenario can run: a design and the kernel
 * its exit path comes from.
 */
import type { Design } from './design.ts';
import type { ExitVersion } from './exit.ts';
import { RFC_EXEMPT, rfcDesign } from './rfc.ts';
import { sudDesign } from './sud.ts';

export interface SelfVariant {
  readonly design: Design;
  /** whose forget_original_parent runs when the parent exits */
  readonly exit: ExitVersion;
}

export type SelfVariantName = 'rfc' | 'rfc-2.6.26' | 'rfc-6.6' | 'rfc-no-exempt' | 'sud';

export function selfVariant(name: string): SelfVariant {
  switch (name) {
    case 'rfc':
      return { design: rfcDesign({ name: 'rfc', exempt: RFC_EXEMPT }), exit: '2.6.27' };
    case 'rfc-2.6.26':
      return { design: rfcDesign({ name: 'rfc', exempt: RFC_EXEMPT }), exit: '2.6.26' };
    case 'rfc-6.6':
      return { design: rfcDesign({ name: 'rfc', exempt: RFC_EXEMPT }), exit: '6.6' };
    case 'rfc-no-exempt':
      return { design: rfcDesign({ name: 'rfc-no-exempt', exempt: ['rt_sigreturn'] }), exit: '2.6.27' };
    case 'sud':
      return { design: sudDesign(), exit: '6.6' };
    default:
      throw new Error(`unknown self-ptrace variant '${name}'`);
  }
}

/** The variant descriptions the scenarios share. */
export const VARIANT_SOURCE: Readonly<Record<SelfVariantName, string>> = {
  rfc: 'PT_SELF in ->ptrace (2008 RFC, hook reconstructed from the review thread: ptrace and rt_sigreturn exempt, flags cleared on any signal) with linux-2.6.27 kernel/exit.c forget_original_parent (the tree it was reviewed against)',
  'rfc-2.6.26':
    "the same PT_SELF design with linux-2.6.26 kernel/exit.c (the patch's stated base): reparent_thread sets p->ptrace = 0",
  'rfc-6.6':
    'the same PT_SELF design with linux-6.6 kernel/exit.c forget_original_parent (BUG_ON((!t->ptrace) != (t->parent == father)) at :705)',
  'rfc-no-exempt':
    'PT_SELF with __NR_ptrace NOT exempt (a reading of the RFC the thread contradicts: Oleg says the hook filters out __NR_ptrace)',
  sud: 'Syscall User Dispatch, linux-6.6 kernel/entry/syscall_user_dispatch.c, kernel/entry/common.c, kernel/exit.c',
};
