/**
 * Preloaded into a spawned gateway (`node --import`): each SIGUSR2 makes one promise rejection that
 * nothing handles, so a test can see what the real process does with one.
 */
process.on('SIGUSR2', () => {
  void Promise.reject(new Error('deliberately unhandled (test/support/reject-on-signal.ts)'));
});
