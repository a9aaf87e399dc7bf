import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { parseAllDocuments } from 'yaml';

const root = path.join(__dirname, '..', '..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

interface Container {
  name: string;
  image: string;
  args: string[];
  env?: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface Job {
  kind: 'Job';
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    suspend?: boolean;
    template: { spec: { containers: Container[]; volumes: { name: string; persistentVolumeClaim: { claimName: string } }[] } };
  };
}

/** The value following `flag` in `args`. */
function flag(args: string[], name: string): string {
  const i = args.indexOf(name);
  expect(i, name).toBeGreaterThanOrEqual(0);
  return args[i + 1];
}

/** Kubernetes' `$(VAR)` expansion of container args. */
const expand = (args: string[], env: Record<string, string>) => args.map((a) => a.replace(/\$\((\w+)\)/g, (_, v) => env[v] ?? `$(${v})`));

describe('Kubernetes Indexed Job recipe', () => {
  const docs = parseAllDocuments(read('deploy/k8s/reproduce-shards.yaml'));
  const objects = docs.map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as { kind: string; metadata: { name: string } };
  });
  const jobs = objects.filter((o): o is Job => o.kind === 'Job');
  const shards = jobs.find((j) => j.spec.completionMode === 'Indexed')!;
  const merge = jobs.find((j) => j !== shards)!;

  it('runs K shards as one Indexed Job: completions = parallelism = K, shard i of K into its own folder', () => {
    expect(jobs.length).toBe(2);
    expect(shards).toBeDefined();
    const k = shards.spec.completions!;
    expect(k).toBeGreaterThanOrEqual(2);
    expect(shards.spec.parallelism).toBe(k);
    const [c] = shards.spec.template.spec.containers;
    const index = c.env!.find((e) => e.valueFrom?.fieldRef?.fieldPath === "metadata.annotations['batch.kubernetes.io/job-completion-index']")!;
    expect(index).toBeDefined();
    expect(c.args[0]).toBe('reproduce');
    const outs = new Set<string>();
    for (let i = 0; i < k; i++) {
      const args = expand(c.args, { [index.name]: String(i) });
      expect(flag(args, '--shard')).toBe(`${i}/${k}`);
      outs.add(flag(args, '--out'));
    }
    expect(outs.size).toBe(k);
  });

  it('merges exactly the K shard folders, after the shards: created suspended, on the same volume', () => {
    const k = shards.spec.completions!;
    const [c] = shards.spec.template.spec.containers;
    const index = c.env![0].name;
    const outs = Array.from({ length: k }, (_, i) => flag(expand(c.args, { [index]: String(i) }), '--out'));
    expect(merge.spec.suspend).toBe(true);
    expect(merge.spec.completionMode).toBeUndefined();
    const [m] = merge.spec.template.spec.containers;
    expect(m.args[0]).toBe('merge');
    const out = flag(m.args, '--out');
    expect(outs).not.toContain(out);
    expect(m.args.slice(1).filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out')).toEqual(outs);
    expect(m.image).toBe(c.image);
    const claim = (j: Job) => j.spec.template.spec.volumes.map((v) => v.persistentVolumeClaim.claimName);
    expect(claim(merge)).toEqual(claim(shards));
    expect(m.volumeMounts).toEqual(c.volumeMounts);
    expect(objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === claim(shards)[0])).toBe(true);
  });

  it('the commands in the file and the README wait for the shards before resuming the merge', () => {
    for (const text of [read('deploy/k8s/reproduce-shards.yaml'), read('README.md')]) {
      const wait = text.indexOf(`kubectl wait --for=condition=complete --timeout=-1s job/${shards.metadata.name}`);
      const resume = text.indexOf(`kubectl patch job ${merge.metadata.name} --type=merge -p '{"spec":{"suspend":false}}'`);
      expect(wait).toBeGreaterThan(0);
      expect(resume).toBeGreaterThan(wait);
    }
  });
});

describe('Slurm job array recipe', () => {
  /** Runs an sbatch script with bash, a stand-in `node` that records its argv, and Slurm's variables. */
  function runScript(script: string, env: Record<string, string>, dir: string): string[] {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    const log = path.join(dir, 'argv.json');
    fs.writeFileSync(path.join(bin, 'node'), `#!${process.execPath}\nrequire('fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)));\n`, { mode: 0o755 });
    execFileSync('bash', [path.join(root, script)], { env: { PATH: `${bin}:/usr/bin:/bin`, SLURM_SUBMIT_DIR: dir, ...env }, stdio: 'pipe' });
    return JSON.parse(fs.readFileSync(log, 'utf8'));
  }

  it('task i of the array runs shard i/K with K the array size, and the merge takes the K shard folders', () => {
    const text = read('deploy/slurm/reproduce.sbatch');
    const m = /^#SBATCH --array=0-(\d+)$/m.exec(text)!;
    expect(m).not.toBeNull();
    const k = Number(m[1]) + 1;
    const cpus = Number(/^#SBATCH --cpus-per-task=(\d+)$/m.exec(text)![1]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slurm-'));
    try {
      const outs: string[] = [];
      for (let i = 0; i < k; i++) {
        const argv = runScript('deploy/slurm/reproduce.sbatch', { SLURM_ARRAY_TASK_ID: String(i), SLURM_ARRAY_TASK_COUNT: String(k), SLURM_CPUS_PER_TASK: String(cpus) }, dir);
        expect(argv.slice(0, 2)).toEqual(['dist/cli/main.js', 'reproduce']);
        expect(flag(argv, '--shard')).toBe(`${i}/${k}`);
        expect(flag(argv, '--workers')).toBe(String(cpus - 1));
        outs.push(flag(argv, '--out'));
      }
      expect(new Set(outs).size).toBe(k);
      for (const o of outs) fs.mkdirSync(path.join(dir, o), { recursive: true });
      const argv = runScript('deploy/slurm/merge.sbatch', {}, dir);
      expect(argv.slice(0, 2)).toEqual(['dist/cli/main.js', 'merge']);
      const out = flag(argv, '--out');
      expect(outs).not.toContain(out);
      expect(argv.slice(2).filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out').sort()).toEqual([...outs].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the merge is submitted to start after every task of the array succeeded', () => {
    for (const text of [read('deploy/slurm/reproduce.sbatch'), read('deploy/slurm/merge.sbatch'), read('README.md')]) {
      const submit = text.indexOf('jid=$(sbatch --parsable deploy/slurm/reproduce.sbatch)');
      const after = text.indexOf('sbatch --dependency=afterok:$jid deploy/slurm/merge.sbatch');
      expect(submit).toBeGreaterThanOrEqual(0);
      expect(after).toBeGreaterThan(submit);
    }
  });
});
