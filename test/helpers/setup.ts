// Installed for every test file by vitest.config.ts (setupFiles): the teardown of test/helpers/child.ts
// (children killed, temporary directories removed, mounts undone), run even when a test failed or was skipped.
import { afterAll, afterEach } from 'vitest';
import { teardown } from './child.js';

afterEach(() => teardown('test'));
afterAll(() => teardown('file'));
