// The newest request wins. A view that asks the server again before the last answer came
// (a chip tapped twice, another line chosen) must not let the older answer overwrite the
// newer one when it arrives late.
//
//   const latest = latestOnly();
//   try {
//     const fc = await latest(api.nearest(...));   // resumes only if no later call was made
//     show(fc);
//   } catch (e) {
//     showError(e);                               // likewise: only the newest failure shows
//   }
//
// Calls through one `latest` supersede each other, whatever they ask: a view whose requests
// race for the same panel shares one. A superseded call's promise never settles, so the
// code after its `await` (and its `catch`) never runs; nothing keeps it alive once the
// request is done.

/** A wrapper that passes on the outcome of the promise it was given last, and only that. */
export function latestOnly() {
  let newest = 0;
  return (promise) => {
    const mine = ++newest;
    return new Promise((resolve, reject) => {
      promise.then(
        (value) => mine === newest && resolve(value),
        (error) => mine === newest && reject(error),
      );
    });
  };
}
