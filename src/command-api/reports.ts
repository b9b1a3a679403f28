/**
 * The report operations commands use, through the command API (commands depend on the command API, the domain
 * and the message model only).
 */
export { loadReport } from '../reports/load-report.ts';
export { renderReportMessage } from '../reports/render-message.ts';
