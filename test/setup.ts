// Every test file runs on the backend saplab would pick (or SAPLAB_BACKEND when set).
import { initBackend } from 'saplab';

await initBackend();
