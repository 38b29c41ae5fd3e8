/**
 * Preloaded into the server by the memory benchmark (`node --expose-gc -r dist/bench/memoryProbe.js`),
 * never by the product: on "memory-sample" over the IPC channel it collects garbage on the main
 * thread and answers with the process's memory figures.
 */
const gc = (globalThis as { gc?: () => void }).gc;

process.on('message', (message: unknown) => {
  if (message !== 'memory-sample' || !process.send) return;
  gc?.();
  const usage = process.memoryUsage();
  process.send({
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    gc: gc !== undefined,
  });
});
// The channel must not keep the server alive on its own.
process.channel?.unref();
