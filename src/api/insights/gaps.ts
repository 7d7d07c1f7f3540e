// Knowledge gaps of a learner × topic (issue 14 item 4): how far the topic is
// from mastered, how much it matters (exam weight, the topics that build on
// it), how often the learner failed it lately — one priority, a severity, and
// the hours the catalog says it takes to close.
//
// gap = 1 − mastery score (the newest snapshot's);
// recent failure rate = failed / question attempts among the last 10 (0 with none: a topic
//   learned from materials only is not penalised for failures it cannot have);
// priority = 3·gap + 2·exam weight / 10 + prerequisite impact + 1.5·recent failure rate
//   (prerequisite impact = share of the tenant's topics listing this one as a prerequisite);
// severity: critical from 4, high from 3, medium from 2, low below (priority runs 0..7.5);
// hours to close = the catalog's estimated hours × gap.

export const SEVERITY_FROM = { critical: 4, high: 3, medium: 2 } as const;
export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface GapInput {
  masteryScore: number;
  recentFailureRate: number;
  /** 0..1 (exam weight / 10). */
  examWeightNorm: number;
  prerequisiteImpact: number;
  estimatedHours: number;
}

export interface Gap {
  gap: number;
  priority: number;
  severity: Severity;
  hoursToClose: number;
}

/** failed / attempts in the window, 0 without attempts. */
export function recentFailureRate(attempts: number, failures: number): number {
  return attempts > 0 ? failures / attempts : 0;
}

export function severityOf(priority: number): Severity {
  if (priority >= SEVERITY_FROM.critical) return 'critical';
  if (priority >= SEVERITY_FROM.high) return 'high';
  if (priority >= SEVERITY_FROM.medium) return 'medium';
  return 'low';
}

export function gapOf(t: GapInput): Gap {
  const gap = Math.min(1, Math.max(0, 1 - t.masteryScore));
  const priority = 3 * gap + 2 * t.examWeightNorm + t.prerequisiteImpact + 1.5 * t.recentFailureRate;
  return { gap, priority, severity: severityOf(priority), hoursToClose: t.estimatedHours * gap };
}
