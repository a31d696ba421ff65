export default { apps: [{ name: 'esm-default', script: './app.js' }] };
