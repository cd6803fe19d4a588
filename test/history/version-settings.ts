// Server settings for tests that watch versions appear: an edit is stored 50–200 ms after it is
// made, and every store takes a version (no minimum interval between two versions).
export const VERSION_ON_EVERY_STORE = {
  STORE_DEBOUNCE_MS: '50',
  STORE_MAX_DEBOUNCE_MS: '200',
  HISTORY_INTERVAL_MINUTES: '0',
};
