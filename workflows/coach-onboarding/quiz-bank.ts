/**
 * The coach training quiz's question bank, shipped as data. Each attempt draws 10 of these; the pass mark is 80 %.
 * Changing a question's correct answer changes how running onboardings score, so edit only behind `patched()`.
 */
export interface QuizQuestion {
  questionId: string;
  topic: 'safety' | 'academics' | 'tsa_model';
  text: string;
  choices: { choiceId: string; text: string }[];
  correctChoiceId: string;
}

const q = (
  questionId: string,
  topic: QuizQuestion['topic'],
  text: string,
  correct: string,
  ...wrong: string[]
): QuizQuestion => {
  // The correct answer is not always the first choice, nor always the same choice id.
  const texts = [correct, ...wrong];
  const rotate = Number(questionId.slice(1)) % texts.length;
  const shown = [...texts.slice(rotate), ...texts.slice(0, rotate)];
  const choices = shown.map((t, i) => ({ choiceId: String.fromCharCode(97 + i), text: t }));
  return { questionId, topic, text, choices, correctChoiceId: choices.find((c) => c.text === correct)!.choiceId };
};

export const QUIZ_BANK: readonly QuizQuestion[] = [
  q(
    'Q01',
    'safety',
    'A student shows signs of a concussion during practice. What do you do first?',
    'Remove them from play and follow the concussion protocol',
    'Let them finish the drill',
    'Give them water and continue',
    'Ask a teammate to watch them',
  ),
  q(
    'Q02',
    'safety',
    'How many adults should be present when coaching a minor one-on-one?',
    'Two adults, or one in an observable and interruptible setting',
    'One adult behind closed doors',
    'None if parents agreed',
    'Only the coach',
  ),
  q(
    'Q03',
    'safety',
    'When must you report suspected child abuse?',
    'Within 48 hours to the authorities, as Texas law requires',
    'At the end of the semester',
    'Only with proof',
    'Only if the parent agrees',
  ),
  q(
    'Q04',
    'safety',
    'What is the first step in a heat-illness emergency?',
    'Cool the student immediately and call 911',
    'Wait to see if it passes',
    'Send them home alone',
    'Keep practicing in the shade',
  ),
  q(
    'Q05',
    'safety',
    'Where should an AED be kept during outdoor practice?',
    'Within reach of the field, with staff trained to use it',
    'Locked in the office',
    'In the coach’s car at home',
    'It is not needed outdoors',
  ),
  q(
    'Q06',
    'safety',
    'A parent you do not know wants to pick up a student. What do you do?',
    'Release the student only to an authorised adult on file',
    'Release them if they know the student’s name',
    'Let the student decide',
    'Ask another parent',
  ),
  q(
    'Q07',
    'safety',
    'How should you communicate with a student by text message?',
    'Only in group messages that include a parent or staff member',
    'Privately at any hour',
    'Through personal social media',
    'Never keep a record',
  ),
  q(
    'Q08',
    'academics',
    'How much of the school day does the TSA model reserve for core academics?',
    'The morning block, about three hours of focused learning',
    'None, sport comes first',
    'Only Fridays',
    'Whatever time is left after practice',
  ),
  q(
    'Q09',
    'academics',
    'A student falls behind on mastery goals. What is the expected response?',
    'Adjust the learning plan with the guide and tell the family',
    'Ignore it until report cards',
    'Move them to a lower grade at once',
    'Cut their practice time without telling anyone',
  ),
  q(
    'Q10',
    'academics',
    'What does mastery-based learning mean?',
    'A student moves on once they show they understand the material',
    'Everyone moves on at the same date',
    'Grades are assigned by attendance',
    'Tests are optional',
  ),
  q(
    'Q11',
    'academics',
    'Who can see a student’s academic records?',
    'The student’s family and authorised staff, as FERPA allows',
    'Anyone who asks',
    'Other parents',
    'Sponsors',
  ),
  q(
    'Q12',
    'academics',
    'How often should families receive progress updates?',
    'At least every two weeks',
    'Once a year',
    'Only when there is a problem',
    'Never, the dashboard is enough',
  ),
  q(
    'Q13',
    'academics',
    'What should a coach do when a student needs special education support?',
    'Involve the family and refer them to qualified specialists',
    'Handle it alone',
    'Ask the student to try harder',
    'Remove them from the school',
  ),
  q(
    'Q14',
    'tsa_model',
    'What is a TSA microschool?',
    'A small school where academics and sport training share one day',
    'An after-school club',
    'A summer camp',
    'An online-only course',
  ),
  q(
    'Q15',
    'tsa_model',
    'What is the largest number of students a new microschool should start with?',
    'The capacity stated in the coach’s profile',
    'As many as sign up',
    'Exactly 200',
    'One',
  ),
  q(
    'Q16',
    'tsa_model',
    'What must happen before a family’s enrollment is complete?',
    'The consultation, documents and deposit are done',
    'The student plays one game',
    'The coach approves by phone only',
    'Nothing, enrollment is instant',
  ),
  q(
    'Q17',
    'tsa_model',
    'How does a family join your microschool?',
    'Through an invitation you send from the platform',
    'By walking in on the first day',
    'By paying you in cash',
    'Through a sponsor',
  ),
  q(
    'Q18',
    'tsa_model',
    'What keeps a coach in good standing with the network?',
    'Valid insurance, a clear background check and completed training',
    'A winning season',
    'A large social media following',
    'Owning the facility',
  ),
  q(
    'Q19',
    'tsa_model',
    'What is the launch timeline?',
    'The checklist of steps from onboarding to opening day',
    'The season’s game schedule',
    'The daily class schedule',
    'A marketing campaign',
  ),
  q(
    'Q20',
    'safety',
    'What must you do after any injury during school hours?',
    'Give first aid, tell the family the same day and file an incident report',
    'Nothing if the student seems fine',
    'Post about it online',
    'Wait for the family to ask',
  ),
  q(
    'Q21',
    'tsa_model',
    'Who decides a student’s sport focus?',
    'The family and student, with the coach’s advice',
    'The coach alone',
    'The network office',
    'Sponsors',
  ),
  q(
    'Q22',
    'academics',
    'What is the role of the learning guide software?',
    'It paces each student’s lessons; the coach mentors and checks progress',
    'It replaces the coach entirely',
    'It is only for homework',
    'It grades sports performance',
  ),
];

export const QUESTIONS_PER_ATTEMPT = 10;
export const PASS_PERCENT = 80;
