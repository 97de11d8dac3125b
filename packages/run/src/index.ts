export { STAGES, LINEAGE_FILE, readLineage, planStage, runStage, type StageName, type StageInputs, type StageRecord, type Lineage, type StageDecision, type StageEvent } from "./lineage.js";
