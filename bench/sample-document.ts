/** The document the benchmarks create: a valid event registration, as a client sends it. */
export const BENCH_FORM = 'event-registration';

export const REGISTRATION = { fullName: 'Bench Mark', email: 'bench@example.com', acceptsCodeOfConduct: true } as const;

/** The forms file the benchmarks serve (see its header for why it is not examples/forms.yaml). */
export const BENCH_FORMS = 'bench/forms.yaml';
