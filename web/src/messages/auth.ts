/** Staff sign-in at the OpenID Connect provider, its callback and sign-out. Keys start with `auth.`; Spanish names every English key. */
export const en = {
  'auth.withProvider': 'Sign in with {provider}',
  'auth.providerIntro': 'Sign in with your staff account at {provider}. You come back here afterwards.',
  'auth.orPaste': 'Or paste a token (development)',
  'auth.redirecting': 'Taking you to {provider}…',
  'auth.unreachable': 'We could not reach {provider}. Please try again in a moment.',
  'auth.callbackTitle': 'Signing you in',
  'auth.finishing': 'Finishing your sign-in…',
  'auth.failed': 'The sign-in did not complete. Please start again.',
  'auth.refused':
    'You signed in at the provider, but this app does not accept that account. Ask an administrator for access.',
  'auth.startAgain': 'Back to sign-in',
  'auth.signedInAs': 'You are signed in as {sub} ({role}).',
  'auth.signOut': 'Sign out',
  'auth.signedOutTitle': 'Signed out',
  'auth.signedOut': 'You are signed out of this app in this browser.',
  'auth.providerSignOut': 'Also sign out of {provider}',
  'auth.providerSignOutNote': 'Otherwise the next sign-in here may not ask for your password again.',
  'auth.tokenRefused': 'This app does not accept this token (expired, or not issued for it). Please get a new one.',
  'auth.tokenUnchecked': 'We could not check this token just now. Please try again in a moment.',
} as const;

export const es: Record<keyof typeof en, string> = {
  'auth.withProvider': 'Iniciar sesión con {provider}',
  'auth.providerIntro': 'Inicie sesión con su cuenta del personal en {provider}. Después volverá aquí.',
  'auth.orPaste': 'O pegue un token (desarrollo)',
  'auth.redirecting': 'Le llevamos a {provider}…',
  'auth.unreachable': 'No pudimos conectar con {provider}. Inténtelo de nuevo en un momento.',
  'auth.callbackTitle': 'Iniciando sesión',
  'auth.finishing': 'Terminando su inicio de sesión…',
  'auth.failed': 'El inicio de sesión no se completó. Vuelva a empezar.',
  'auth.refused':
    'Inició sesión en el proveedor, pero esta aplicación no acepta esa cuenta. Pida acceso a un administrador.',
  'auth.startAgain': 'Volver al inicio de sesión',
  'auth.signedInAs': 'Ha iniciado sesión como {sub} ({role}).',
  'auth.signOut': 'Cerrar sesión',
  'auth.signedOutTitle': 'Sesión cerrada',
  'auth.signedOut': 'Cerró la sesión de esta aplicación en este navegador.',
  'auth.providerSignOut': 'Cerrar también la sesión en {provider}',
  'auth.providerSignOutNote': 'Si no, el próximo inicio de sesión aquí puede no pedirle la contraseña.',
  'auth.tokenRefused': 'Esta aplicación no acepta este token (caducado, o no emitido para ella). Consiga uno nuevo.',
  'auth.tokenUnchecked': 'No pudimos comprobar este token ahora. Inténtelo de nuevo en un momento.',
};
