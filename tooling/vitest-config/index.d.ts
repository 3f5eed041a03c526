export declare const sourceResolution: {
  resolve: { conditions: string[] };
  ssr: { resolve: { conditions: string[] } };
};
export declare const jsonReport: {
  reporters: string[];
  outputFile: { json: string };
};
export declare const MUTATION_TEST_FILES_ENV: string;
export declare function mutationTestFiles(): string[];
