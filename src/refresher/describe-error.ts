/** Error messages kept in events and the lock item are cut here: they come from the user's code and the network. */
const MAX_FAILURE_MESSAGE = 300;
/** An error's name as it may be stored in the lock item and events: the refresh function's errors are the user's, so anything but a plain identifier becomes "Error". */
const ERROR_NAME = /^[A-Za-z_$][\w$.:-]{0,63}$/;

/** An error's name and a bounded message, safe for the lock item and events. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) {
    return { name: ERROR_NAME.test(error.name) ? error.name : 'Error', message: error.message.slice(0, MAX_FAILURE_MESSAGE) };
  }
  return { name: typeof error, message: '' };
}
