// esbuild turns imported stylesheets into the bundle's CSS file; to TypeScript they are opaque.
declare module '*.css';
