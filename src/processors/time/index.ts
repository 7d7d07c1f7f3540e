// Event time: partition and engine watermarks, event-time timers, and the
// quiet-partition ticker that decides when to append watermark ticks.
export { EngineWatermark } from './engine-watermark.js';
export { QuietPartitionTicker, type TickRequest } from './quiet-partitions.js';
export { EventTimeTimers } from './timers.js';
export { NO_WATERMARK, PartitionWatermark } from './watermark.js';
