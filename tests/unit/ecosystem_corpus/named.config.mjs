export const apps = [{ name: 'esm-named', script: './app.js' }];
