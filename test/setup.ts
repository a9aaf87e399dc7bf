// Every test file runs on the backend saplab would pick (or SAPLAB_BACKEND when set).
import { beforeAll } from 'vitest';
import { initBackend } from 'saplab';

beforeAll(async () => {
  await initBackend();
});
