/** `saplab info`: the active backend, versions and data locations. */
import { Command, backendFlag, command } from '../command';
import { initBackend } from '../../backend';

/** The `info` command. */
export const infoCommand: Command = command('info', 'Print the active backend, versions and data locations.', { backend: backendFlag }, async (f) => {
  const info = await initBackend({ backend: f.backend });
  const lines = [`saplab backend: ${info.description}`, `tf.getBackend(): ${info.name}`];
  for (const s of info.skipped) lines.push(`skipped ${s.choice}: ${s.reason}`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
});
