// The Java peers of the benchmark, built with Maven from Maven Central on
// first use: Kafka's own tools (ConsumerPerformance = kafka-consumer-perf-test)
// and the two reference engines, the Kafka Streams app and the Flink job. Each
// gets its own classpath.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const peersDir = fileURLToPath(new URL('./peers/', import.meta.url));
export const toolsDir = join(peersDir, 'kafka-tools');
export const streamsDir = join(peersDir, 'kafka-streams');
export const flinkDir = join(peersDir, 'flink');

function mvn(dir: string, goals: string[]): void {
  execFileSync('mvn', ['-q', '-B', ...goals], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Classpath of the Kafka tools (resolved on first use). */
export function kafkaToolsClasspath(): string {
  const libs = join(toolsDir, 'target/libs');
  if (!existsSync(libs) || !readdirSync(libs).some((f) => f.startsWith('kafka-tools-'))) {
    mvn(toolsDir, ['dependency:copy-dependencies']);
  }
  return `${libs}/*`;
}

export function kafkaToolsVersion(): string {
  const jar = readdirSync(join(toolsDir, 'target/libs')).find((f) => /^kafka-tools-\d.*\.jar$/.test(f));
  return jar?.replace(/^kafka-tools-|\.jar$/g, '') ?? 'unknown';
}

/** Classpath of the Kafka Streams app (compiled and resolved on first use). */
export function kafkaStreamsClasspath(): string {
  const classes = join(streamsDir, 'target/classes');
  const libs = join(streamsDir, 'target/libs');
  if (!existsSync(join(classes, 'dev/learnstream/bench/LearningWindowsApp.class')) || !existsSync(libs)) {
    mvn(streamsDir, ['package', '-DskipTests']);
  }
  return `${classes}:${libs}/*`;
}

export function kafkaStreamsVersion(): string {
  const jar = readdirSync(join(streamsDir, 'target/libs')).find((f) => /^kafka-streams-\d.*\.jar$/.test(f));
  return jar?.replace(/^kafka-streams-|\.jar$/g, '') ?? 'unknown';
}

/** Classpath of the Flink job (compiled and resolved on first use). */
export function flinkClasspath(): string {
  const classes = join(flinkDir, 'target/classes');
  const libs = join(flinkDir, 'target/libs');
  if (!existsSync(join(classes, 'dev/learnstream/bench/LearningWindowsJob.class')) || !existsSync(libs)) {
    mvn(flinkDir, ['package', '-DskipTests']);
  }
  return `${classes}:${libs}/*`;
}

export function flinkVersion(): string {
  const jar = readdirSync(join(flinkDir, 'target/libs')).find((f) => /^flink-streaming-java-\d.*\.jar$/.test(f));
  return jar?.replace(/^flink-streaming-java-|\.jar$/g, '') ?? 'unknown';
}
