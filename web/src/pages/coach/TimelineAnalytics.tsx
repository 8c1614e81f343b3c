import { useI18n } from '../../i18n';
import { formatDate, launchOutlook, type Analytics, type Timeline } from '../../timeline-board';

/** Completion, the projected launch against the target, overdue and blocked steps, and the critical path. */
export function TimelineAnalytics({ analytics, timeline }: { analytics: Analytics; timeline: Timeline }) {
  const { locale, t } = useI18n();
  const outlook = launchOutlook(analytics);
  const date = (d: string) => formatDate(d, locale);
  const nameOf = (stepId: string) => timeline.steps.find((s) => s.stepId === stepId)?.name ?? stepId;
  return (
    <section aria-labelledby="board-progress" className="card board-analytics">
      <h2 id="board-progress">{t('board.progress')}</h2>
      <p id="board-completion" className="board-completion">
        {t('board.completion', {
          percent: analytics.completionPercent,
          done: analytics.completedSteps,
          total: analytics.totalSteps,
        })}
      </p>
      <progress max={100} value={analytics.completionPercent} aria-labelledby="board-completion" />
      <p className={`board-outlook outlook-${outlook.outlook}`}>
        <strong>
          {t(`board.outlook.${outlook.outlook}` as const, {
            projected: date(outlook.projected),
            target: date(outlook.target),
            days: outlook.workingDays,
          })}
        </strong>
      </p>

      <h3>{t('board.overdue')}</h3>
      {analytics.overdueSteps.length === 0 ? (
        <p className="hint">{t('board.noOverdue')}</p>
      ) : (
        <ul className="board-overdue">
          {analytics.overdueSteps.map((s) => (
            <li key={s.stepId}>
              <a href={`#step-${s.stepId}`}>{s.name}</a>:{' '}
              {t('board.overdueItem', { days: s.workingDaysOverdue, date: date(s.dueDate) })}
            </li>
          ))}
        </ul>
      )}

      <h3>{t('board.blocked')}</h3>
      {analytics.blockedSteps.length === 0 ? (
        <p className="hint">{t('board.noBlocked')}</p>
      ) : (
        <>
          <p className="hint">{t('board.blockedIntro')}</p>
          <ul className="board-blocked">
            {analytics.blockedSteps.map((s) => (
              <li key={s.stepId}>
                <a href={`#step-${s.stepId}`}>{s.name}</a>
              </li>
            ))}
          </ul>
        </>
      )}

      <h3>{t('board.criticalPathTitle')}</h3>
      {analytics.criticalPath.length === 0 ? (
        <p className="hint">{t('board.noCriticalPath')}</p>
      ) : (
        <>
          <p className="hint">{t('board.criticalPathIntro')}</p>
          <ol className="board-critical-path">
            {analytics.criticalPath.map((id) => (
              <li key={id}>
                <a href={`#step-${id}`}>{nameOf(id)}</a>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
