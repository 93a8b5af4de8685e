// Accepts on every local address (0.0.0.0, so every 127.x.y.z answers) in a process of its own,
// so its accept work is not charged to the process measured. Reports its port to the parent.
const net = require('node:net');
let accepted = 0;
const server = net.createServer((s) => {
  accepted++;
  s.on('error', () => {});
  s.destroy();
});
server.listen({ port: 0, host: '0.0.0.0', backlog: 65535 }, () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m === 'count') process.send({ accepted });
});
process.on('disconnect', () => process.exit(0));
