import { rehearsal } from './rehearsal.js';

// docs/providers.md, "Rehearse production locally", steps 1–3 on LanceDB
rehearsal(false);
