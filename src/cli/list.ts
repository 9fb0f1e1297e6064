import { selectScenarios } from '../load/select.ts';
import { irqBoundsText } from '../model/irq-bounds.ts';
import { memoryModelCell, statedMemoryModel } from '../model/memory-model.ts';
import { invariantNames } from '../model/scenario.ts';

/** `ptrace-mc list [scenario…]`: every scenario (or those named), its variants and the verdict each is expected to have. */
export async function listCommand(names: readonly string[], opts: { json?: boolean }): Promise<number> {
  const SCENARIOS = (await selectScenarios(names)).scenarios;
  if (opts.json) {
    for (const s of SCENARIOS) {
      for (const [v, def] of Object.entries(s.variants)) {
        process.stdout.write(
          `${JSON.stringify({ scenario: s.name, variant: v, summary: def.summary, source: def.source ?? null, invariants: s.invariants, reports: invariantNames(s), expect: def.expect })}\n`,
        );
      }
    }
    return 0;
  }
  const out: string[] = [];
  for (const s of SCENARIOS) {
    out.push(`${s.name} — ${s.summary}`);
    const others = invariantNames(s).filter((n) => !s.invariants.includes(n));
    out.push(`    invariants: ${s.invariants.join(', ')}${s.bounds ? `; bounds: ${s.bounds}` : ''}`);
    // what check can also report (and --invariant can name): the model's own checks and the engine's
    out.push(`    also reported: ${others.join(', ')}`);
    for (const [v, def] of Object.entries(s.variants)) {
      out.push(`  ${v}: ${def.summary}${def.source ? ` [${def.source}]` : ''}`);
      if (def.prologue) out.push(`    prologue, run in one order before the search: ${def.prologue}`);
      for (const e of def.expect) {
        const mm = statedMemoryModel(s, e);
        const irq = `${mm.name === 'sc' ? '' : `, ${memoryModelCell(mm)}`}${e.irq ? `, irq ${irqBoundsText(e.irq)}` : ''}`;
        const only = `${irq}${e.only ? ` (checking ${e.only.join(', ')})` : ''}`;
        const inv = e.verdict === 'violated' && e.invariant ? ` ${e.invariant}` : '';
        const long = e.long ? ' [long: the table runs it with check --all]' : '';
        out.push(`      ${e.cpus} CPU${e.cpus > 1 ? 's' : ''}${only}: ${e.verdict}${inv}${long}${e.why ? ` — ${e.why}` : ''}`);
      }
    }
    out.push('');
  }
  process.stdout.write(out.join('\n'));
  return 0;
}
