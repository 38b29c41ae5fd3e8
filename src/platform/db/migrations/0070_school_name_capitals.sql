-- School names as published: the address list title-cased every word ("King Henry Viii", "Hawarden Village Va",
-- "St Teilo's C-In-W High School"). Puts back the capitals of Roman numerals and abbreviations and the small "in"
-- of "Church in Wales", for names loaded before the seed was read through publishedSchoolName
-- (src/features/directory/nameCase.ts, the same rules). Only those exact title-cased words change.
update schools
   set name_en = regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                 regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                 name_en,
                 '\mViii\M', 'VIII', 'g'), '\mVii\M', 'VII', 'g'), '\mIii\M', 'III', 'g'), '\mIi\M', 'II', 'g'), '\mIv\M', 'IV', 'g'), '\mIx\M', 'IX', 'g'),
                 '\mXii\M', 'XII', 'g'), '\mVa\M', 'VA', 'g'), '\mVc\M', 'VC', 'g'), '\mCp\M', 'CP', 'g'), '\mRc\M', 'RC', 'g'), '\mCw\M', 'CW', 'g'),
                 '\mCv\M', 'CV', 'g'), '\mDc\M', 'DC', 'g'), '\mYgg\M', 'YGG', 'g'), '\mPru\M', 'PRU', 'g'), 'C-In-W', 'C-in-W', 'g'),
                 '\mC In W\M', 'C in W', 'g'), 'Church([ -])In([ -])Wales', 'Church\1in\2Wales', 'g'),
       updated_at = now()
 where name_en ~ '\m(Viii|Vii|Iii|Ii|Iv|Ix|Xii|Va|Vc|Cp|Rc|Cw|Cv|Dc|Ygg|Pru)\M|C-In-W|\mC In W\M|Church[ -]In[ -]Wales';
