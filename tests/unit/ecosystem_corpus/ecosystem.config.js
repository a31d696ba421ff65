// CommonJS, using what PM2 users use: path, __dirname, process.env.
const path = require('path');

module.exports = {
  apps: [
    {
      name: 'api',
      script: path.join(__dirname, 'app.js'),
      env: { PORT: 8080, FROM_ENV: process.env.CORPUS_VALUE || 'unset' },
      env_production: { NODE_ENV: 'production' },
      instances: 2,
      restart: () => 'functions are dropped',
    },
    {
      name: 'jobs',
      script: './worker.py',
      instaces: 4,
    },
  ],
};
