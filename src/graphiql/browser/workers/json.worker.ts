// The variables and headers editors' JSON language service.
import 'monaco-editor/esm/vs/language/json/json.worker.js';
