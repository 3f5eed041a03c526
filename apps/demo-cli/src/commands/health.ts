import type { CommandContext, CommandResult } from '../context.js';
import { withClient, withDeadline } from '../context.js';
import { EXIT } from '../exit-codes.js';

/** `health`: opens every adapter of the config and reports each one's health. Exit 1 when one is down. */
export async function health(ctx: CommandContext): Promise<CommandResult> {
  return withClient(ctx, async (client) => {
    const report = await withDeadline(client.health(), ctx.timeoutMs, 'health');
    const { out } = ctx;
    for (const [id, adapter] of Object.entries(report.adapters)) {
      const state = adapter.ok ? out.paint('green', 'ok  ') : out.paint('red', 'DOWN');
      const details = adapter.details === undefined ? '' : `  ${JSON.stringify(adapter.details)}`;
      out.line(`${state}  ${id.padEnd(28)} ${adapter.latencyMs.toFixed(1).padStart(8)} ms${details}`);
    }
    if (Object.keys(report.adapters).length === 0) out.line('no adapters configured (embedded stores only)');
    out.line(report.ok ? out.paint('green', 'healthy') : out.paint('red', 'unhealthy'));
    return { code: report.ok ? EXIT.OK : EXIT.FAILED, json: report };
  });
}
