/** The dashboard drill (drill.ts) on the prom-client path: the service serves the package's own registry. */
import { dashboardDrill } from './drill.js';

dashboardDrill('prom-client');
