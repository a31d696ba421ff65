// The quick-start ecosystem file: PM2's format, loaded unchanged by pmd.
//   pmctl start examples/ecosystem.config.js [--env production]
const path = require('path');

module.exports = {
  apps: [
    {
      name: 'hello',
      script: path.join(__dirname, 'hello-server.js'),
      instances: 'max',        // one per CPU this process may use
      exec_mode: 'cluster',    // pmd binds PORT once; every instance shares the socket
      env: { PORT: 3000, NODE_ENV: 'development' },
      env_production: { NODE_ENV: 'production' },
      max_restarts: 10,
      kill_timeout: '3s',
      time: true,
    },
  ],
};
