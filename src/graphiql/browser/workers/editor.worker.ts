// Monaco's own workers, bundled as separate classic-worker scripts Concord serves itself (no CDN).
import 'monaco-editor/esm/vs/editor/editor.worker.js';
