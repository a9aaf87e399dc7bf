require('fs').chmodSync(require('path').join(__dirname, '..', 'dist', 'cli', 'main.js'), 0o755);
