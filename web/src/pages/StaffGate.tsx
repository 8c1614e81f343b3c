import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { staffToken } from '../api/client';
import { useI18n } from '../i18n';

/** Staff pages need a token in this browser; the API still decides on every request. */
export function StaffGate({ status, children }: { status?: number; children: (token: string) => ReactNode }) {
  const { locale, t } = useI18n();
  const token = staffToken.get();
  if (!token || status === 401) {
    return (
      <p>
        {t('staff.needSignIn')} <Link href={`/${locale}/sign-in`}>{t('signin.title')}</Link>
      </p>
    );
  }
  if (status === 403) return <p role="alert">{t('staff.forbidden')}</p>;
  return <>{children(token)}</>;
}
