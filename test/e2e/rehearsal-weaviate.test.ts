import { rehearsal } from './rehearsal.js';

// docs/providers.md, "Rehearse production locally", step 4: the same on Weaviate
rehearsal(true);
