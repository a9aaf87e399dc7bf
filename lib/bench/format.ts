/** The benchmark's result as the printed table of `saplab bench`. */
import type { BenchResult } from './bench';

/** The result as a printable table. */
export function formatBench(r: BenchResult): string {
  const lines = [
    `saplab bench · ${r.backendDescription} · ${r.model} · batch ${r.batch} · median of ${r.repeats} runs after ${r.warmup} warm-up`,
    `${r.machine.cpus} cpus (${r.machine.cpuModel}), node ${r.machine.node}, load average ${r.machine.loadAverage[0].toFixed(2)} at start, ${r.machine.loadAverage[1].toFixed(2)} at end`,
    '',
    `${'workload'.padEnd(28)}${'median ms'.padStart(11)}${'min ms'.padStart(10)}${'x forward'.padStart(11)}${'x PyTorch'.padStart(11)}`,
  ];
  for (const row of r.rows) {
    const ratio = row.variant === 'saplab' ? r.torch.ratios?.[row.name] : undefined;
    lines.push(
      `${row.name.padEnd(28)}${row.medianMs.toFixed(1).padStart(11)}${row.minMs.toFixed(1).padStart(10)}${row.ratioToForward.toFixed(2).padStart(11)}${(ratio !== undefined ? ratio.toFixed(2) : '-').padStart(11)}`,
    );
  }
  for (const [n, s] of Object.entries(r.speedupOverStock)) lines.push(`\n${n}: saplab wasm kernels ${s.toFixed(2)}x faster than the stock wasm kernels (same run)`);
  if (r.workerSplit) {
    const w = r.workerSplit;
    lines.push(
      '',
      `input gradient of ${w.images} examples in batches of ${w.batchSize}: 1 thread ${w.singleThread.medianMs.toFixed(1)} ms, main thread + ${w.workers} worker(s) ${w.split.medianMs.toFixed(1)} ms ` +
        `(${w.speedup.toFixed(2)}x; min ${w.singleThread.minMs.toFixed(1)} vs ${w.split.minMs.toFixed(1)} ms; results ${w.identical ? 'bit-identical' : 'DIFFER'})`,
    );
    const torch2 = r.torch.rows?.find((t) => t.name === 'input-gradient' && t.threads === 2);
    if (torch2 && w.images === r.batch) lines.push(`  = ${(w.split.medianMs / torch2.medianMs).toFixed(2)}x PyTorch's input gradient with 2 threads on the same ${r.batch} examples in one batch (${torch2.medianMs.toFixed(1)} ms)`);
  }
  if (r.sapPredictSplit) {
    const s = r.sapPredictSplit;
    lines.push(
      '',
      `SAP-100 prediction, ${s.images} images in batches of ${s.batchSize} × ${s.samples} passes: 1 thread ${s.singleThread.medianMs.toFixed(0)} ms, main thread + ${s.workers} worker(s) ${s.split.medianMs.toFixed(0)} ms ` +
        `(${s.speedup.toFixed(2)}x; workers started in ${s.startMs} ms; results ${s.identical ? 'bit-identical' : 'DIFFER'})`,
    );
  }
  const pgd10 = r.rows.find((x) => x.name === 'pgd10');
  const grad = r.rows.find((x) => x.name === 'input-gradient');
  if (pgd10 && grad) lines.push('', `pgd10: ${(pgd10.medianMs / 10).toFixed(1)} ms a step = ${(pgd10.medianMs / 10 / grad.medianMs).toFixed(2)}x the input gradient`);
  if (r.throughput) {
    const t = r.throughput;
    lines.push(
      '',
      `default protocol on ${t.n} images (${t.cells} cells): 1 thread ${t.oneThread.imagesPerSecond.toFixed(3)} images/s (${t.oneThread.seconds.toFixed(1)} s), ` +
        `${t.workers.threads} threads ${t.workers.imagesPerSecond.toFixed(3)} images/s (${t.workers.seconds.toFixed(1)} s): ${t.speedup.toFixed(2)}x; cells ${t.identical ? 'identical' : 'DIFFER'}`,
    );
  }
  if (r.torch.available && r.torch.rows) {
    lines.push('', `PyTorch ${r.torch.version}, same weights and inputs (x PyTorch uses the faster thread count):`);
    for (const t of r.torch.rows) lines.push(`  ${`${t.name}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`.padEnd(26)}${t.medianMs.toFixed(1).padStart(11)}${t.minMs.toFixed(1).padStart(10)}`);
    if (r.torch.check) lines.push(`  same model check: max |logits diff| ${r.torch.check.logitsMaxAbsDiff.toExponential(1)}, input gradient max rel diff ${r.torch.check.gradientMaxRelDiff.toExponential(1)}`);
  } else lines.push('', `PyTorch: not run (${r.torch.reason})`);
  if (r.profile) {
    const top = r.profile.kernels.slice(0, 8).map((k) => `${k.name} ${k.ms.toFixed(1)}${k.calls > 1 ? ` (${k.calls}x)` : ''}`);
    lines.push('', `input gradient by kernel (ms, one profiled run): ${top.join(', ')}`);
  }
  return lines.join('\n');
}
