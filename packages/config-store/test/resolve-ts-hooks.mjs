// Preloaded (`node --import`) into the child processes of the multi-process test so that they run
// the TypeScript sources directly with Node's built-in type stripping: the sources import each
// other as `./x.js` (what the build emits), so a relative `.js` import that does not exist is
// resolved to the `.ts` file beside it.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../');
      if (error?.code === 'ERR_MODULE_NOT_FOUND' && relative && specifier.endsWith('.js')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      }
      throw error;
    }
  },
});
