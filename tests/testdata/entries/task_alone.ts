// Imports only @aio/asyncio/task: run, tasks, a timeout.
import {
  createTask,
  run,
  sleep,
  timeout,
  TimeoutError,
} from "@aio/asyncio/task";

const result = await run(async () => {
  const child = createTask(async () => {
    await sleep(10);
    return "child";
  });
  const timedOut = await timeout(5, () => sleep(100)).catch((e) =>
    e instanceof TimeoutError
  );
  return [await child, timedOut];
});
console.log(JSON.stringify(result));
